export * from './consumer.module';
export * from './config/environment';
export * from './handlers/task-handler';
export * from './handlers/handler-registry.service';
export * from './consumer-pool/consumer-pool.service';
export * from './task-store/task-store.service';
export * from './broker-link/broker-client.service';
