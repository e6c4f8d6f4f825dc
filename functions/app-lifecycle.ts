// Registration only: when the host shuts the app down, stop work in flight (retries, sends) and release shared clients.
import { app } from '@azure/functions';
import { closeServiceBusClients } from '../shared/clients/servicebus.js';
import { signalShutdown, startRun } from '../shared/lifecycle/shutdown.js';

app.hook.appStart(() => {
  startRun();
});

app.hook.appTerminate(async () => {
  signalShutdown();
  await closeServiceBusClients();
});
