import { documentKey } from '../../shared/events/envelope.js';
import { MemoryTarget } from '../support/memory-target.js';
import { makeEvent } from '../support/events.js';
import { runTargetContract } from './target-contract.js';

runTargetContract(
  'memory (reference)',
  async () => {
    const target = new MemoryTarget('memory', { pageSize: 7 });
    await target.open();
    return {
      target,
      listPageSize: 7,
      read: async (event) => target.rows.get(documentKey(event)),
      breakStore: async () => void (target.unavailable = true),
      repairStore: async () => void (target.unavailable = false),
      poisonEvent: (spec) => {
        target.rejectDocumentIds.add(spec.id ?? 'doc-1');
        return makeEvent(spec);
      },
      cleanup: async () => {},
    };
  },
  { anyIdCharacters: true },
);
