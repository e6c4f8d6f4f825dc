/**
 * Arrivals counted in batches: the real pipeline's subscriber reports how many documents each batch applied, so a
 * document's arrival time is its batch's. Lag percentiles are taken over documents, each batch counting as many times
 * as it carried documents.
 */
export class Arrivals {
  private readonly batches: Array<[number, number]> = [];
  private total = 0;

  add(at: number, documents: number): void {
    if (documents <= 0) return;
    this.batches.push([at, documents]);
    this.total += documents;
  }

  get count(): number {
    return this.total;
  }

  get last(): number {
    return Math.max(...this.batches.map(([at]) => at));
  }

  /** The time by which a fraction `q` of the documents had arrived, minus `start`. */
  lag(q: number, start: number): number | undefined {
    if (this.total === 0) return undefined;
    const sorted = [...this.batches].sort((a, b) => a[0] - b[0]);
    const wanted = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const [at, documents] of sorted) {
      seen += documents;
      if (seen >= wanted) return at - start;
    }
    return undefined;
  }

  /** Documents that arrived after `start`, and their rate per second up to the last arrival. */
  after(start: number): { documents: number; perSecond: number | undefined } {
    const documents = this.batches.filter(([at]) => at > start).reduce((sum, [, count]) => sum + count, 0);
    const seconds = (this.last - start) / 1000;
    return { documents, perSecond: documents > 0 && seconds > 0 ? documents / seconds : undefined };
  }
}
