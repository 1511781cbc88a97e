export * from './api-keys';
export * from './auth.constants';
export * from './auth-settings';
export * from './require-scope.decorator';
export * from './scope.guard';
export * from './authenticate.middleware';
export * from './delivery-signature';
