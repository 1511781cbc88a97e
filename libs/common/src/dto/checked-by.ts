import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * A class-validator decorator made from a predicate and its message:
 * `const IsPeriodicity = checkedBy('isPeriodicity', isPeriodicity, (field) => `${field} must be …`)`,
 * then `@IsPeriodicity()` on a field. `name` is the constraint's name in the errors (the
 * validation pipe picks a field's message by it).
 */
export function checkedBy(
  name: string,
  validate: (value: unknown) => boolean,
  message: (field: string) => string,
): (options?: ValidationOptions) => PropertyDecorator {
  return (options) => (target, property) => {
    const propertyName = String(property);
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      options,
      validator: { validate, defaultMessage: () => message(propertyName) },
    });
  };
}
