import type { Receiver, Sender } from 'rhea';
import { BrokerError, brokerErrors } from '../broker/broker-error.js';
import { displayAddress, parseEntityAddress, type EntityAddress } from '../broker/entity-address.js';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { ServiceBusNamespace } from '../broker/namespace.js';
import { cbsFailure, handleCbsRequest } from './cbs-node.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { serveIncomingLink } from './incoming-link.js';
import {
  echoTerminus,
  refuseLink,
  remoteSourceAddress,
  remoteSourceFilter,
  remoteTargetAddress,
} from './link-terminus.js';
import { handleManagementRequest, managementFailure } from './management/management-node.js';
import { OutgoingLink } from './outgoing-link.js';
import { serveRequests } from './request-response.js';
import { setLocalAttachField } from './rhea-runtime.js';
import { SESSION_FILTER, attachSessionReceiver } from './session-attach.js';

const CBS_NODE = '$cbs';

export interface RouterDependencies {
  namespace: ServiceBusNamespace;
  connections: ConnectionRegistry;
  log: BrokerLogger;
  maxMessageSizeBytes: number;
}

/** The node a request/response link talks to, as the pairing of request and reply links compares it. */
function nodeKey(address: string, parsed: EntityAddress | undefined): string {
  return parsed === undefined ? address : `${parsed.entityPath.toLowerCase()}/$management`;
}

/**
 * Decides what a link the client attaches is for, from its address, and wires it up; refuses it with the
 * Service Bus error when the address names nothing.
 */
export class LinkRouter {
  constructor(private readonly deps: RouterDependencies) {}

  /** The client attached a sending link: messages to an entity, or requests to $cbs / $management. */
  onClientSender(receiver: Receiver): void {
    this.guard(receiver, () => {
      const address = remoteTargetAddress(receiver) ?? '';
      const { namespace, connections, log } = this.deps;
      if (address === CBS_NODE) {
        echoTerminus(receiver);
        serveRequests(
          receiver,
          CBS_NODE,
          connections,
          (request) => handleCbsRequest(request, namespace),
          (error) => cbsFailure(error, log),
          log,
        );
        return;
      }
      const parsed = parseEntityAddress(address);
      const target = namespace.resolve(address);
      if (parsed === undefined || target === undefined) throw this.notFound(address);
      if (parsed.management) {
        echoTerminus(receiver);
        serveRequests(
          receiver,
          nodeKey(address, parsed),
          connections,
          (request) => handleManagementRequest(request, target, parsed.entityPath, namespace),
          (error) => managementFailure(error, log),
          log,
        );
        return;
      }
      if (target.kind !== 'queue' && target.kind !== 'topic') {
        throw brokerErrors.notAllowed(
          `Cannot send to '${parsed.entityPath}': messages can only be sent to queues and topics.`,
        );
      }
      echoTerminus(receiver);
      setLocalAttachField(receiver, 'max_message_size', this.deps.maxMessageSizeBytes);
      serveIncomingLink(receiver, target.entity, namespace, this.deps.maxMessageSizeBytes, log);
    });
  }

  /** The client attached a receiving link: messages from an entity, or the reply link of a request node. */
  onClientReceiver(sender: Sender): void {
    this.guard(sender, () => {
      const address = remoteSourceAddress(sender) ?? '';
      const { namespace, connections, log } = this.deps;
      const parsed = parseEntityAddress(address);
      if (address === CBS_NODE || parsed?.management === true) {
        if (parsed !== undefined && namespace.resolve(address) === undefined) throw this.notFound(address);
        echoTerminus(sender);
        const node = address === CBS_NODE ? CBS_NODE : nodeKey(address, parsed);
        connections.registerReplyLink(sender.connection, [sender.name, remoteTargetAddress(sender)], sender, node);
        sender.once('sender_close', () => connections.unregisterReplyLink(sender.connection, sender));
        return;
      }
      const target = namespace.resolve(address);
      if (parsed === undefined || target === undefined) throw this.notFound(address);
      if (target.kind === 'topic') {
        throw brokerErrors.notAllowed(
          `Cannot receive from topic '${parsed.entityPath}'; receive from one of its subscriptions.`,
        );
      }
      const filter = remoteSourceFilter(sender);
      const wantsSession = SESSION_FILTER in filter;
      if (target.queue.sessions !== undefined && !wantsSession) {
        throw brokerErrors.notAllowed(
          `It is not possible for an entity that requires sessions to create a non-sessionful message receiver ('${parsed.entityPath}').`,
        );
      }
      if (target.queue.sessions === undefined && wantsSession) {
        throw brokerErrors.notAllowed(
          `'${parsed.entityPath}' does not require sessions; it cannot be received from with a session receiver.`,
        );
      }
      // Settle modes are whatever the receiver asked for: settled transfers mean receive-and-delete.
      setLocalAttachField(sender, 'snd_settle_mode', sender.snd_settle_mode);
      setLocalAttachField(sender, 'rcv_settle_mode', sender.rcv_settle_mode);
      const link = new OutgoingLink(sender, target.queue, log);
      // Released when the client detaches it, ends its session without detaching, or goes away. Otherwise a
      // receiver that is gone keeps its session locked, or keeps waiting for one and takes the next session that
      // becomes available.
      const unregister = connections.onLinkGone(sender, () => link.release());
      sender.once('sender_close', () => {
        unregister();
        link.release();
      });
      if (wantsSession) {
        attachSessionReceiver(sender, link, target.queue, filter[SESSION_FILTER], log);
        return;
      }
      echoTerminus(sender);
      target.queue.addConsumer(link);
      log.debug('receiver attached', { link: sender.name, address, receiveMode: link.receiveMode });
    });
  }

  private notFound(address: string): BrokerError {
    return brokerErrors.entityNotFound(displayAddress(address), this.deps.namespace.name);
  }

  /** Anything that goes wrong while attaching refuses that one link; the connection and broker carry on. */
  private guard(link: Sender | Receiver, attach: () => void): void {
    try {
      attach();
    } catch (error) {
      if (!(error instanceof BrokerError))
        this.deps.log.error('attaching a link failed', { link: link.name, ...errorFields(error) });
      else this.deps.log.debug('refused a link', { link: link.name, condition: error.condition });
      // An unexpected error's message may hold file paths or addresses: the client gets the generic description.
      refuseLink(link, error instanceof BrokerError ? error : brokerErrors.internal());
    }
  }
}
