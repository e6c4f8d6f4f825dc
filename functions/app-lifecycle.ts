// Registration only: release shared clients (AMQP connections) when the host shuts the app down.
import { app } from '@azure/functions';
import { closeServiceBusClients } from '../shared/clients/servicebus.js';

app.hook.appTerminate(async () => {
  await closeServiceBusClients();
});
