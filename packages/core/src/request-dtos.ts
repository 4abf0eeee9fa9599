import 'reflect-metadata';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  validateSync,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import { codePointLength, CONDITION_OPERATORS, LIMITS, PERSISTENCE_STRATEGIES, STORABLE_TEXT } from './contract';
import type { FieldError } from './field-errors';

/**
 * The fixed-shape objects of a preference request (a condition, a conditions list, a set's id and
 * strategy, the bulk body) as class-validator DTOs, and how they are checked: instances are built from
 * named fields only, and class-validator's errors flattened into FieldErrors with dotted paths.
 */

const STORABLE_TEXT_MESSAGE = { message: '$property must not contain NUL characters or unpaired surrogates' };

/** class-validator's length checks skip variation selectors; the contract counts every code point. */
function CodePointLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'length',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && codePointLength(value) >= min && codePointLength(value) <= max,
        defaultMessage: () => (min > 0 ? `$property must be ${min} to ${max} characters long` : `$property must be at most ${max} characters long`),
      },
    },
    options,
  );
}

export class ConditionDto {
  @IsString()
  @CodePointLength(1, LIMITS.conditionVariableLength)
  @Matches(STORABLE_TEXT, STORABLE_TEXT_MESSAGE)
  variable!: string;

  @IsIn(CONDITION_OPERATORS as readonly string[], { message: `operator must be one of: ${CONDITION_OPERATORS.join(', ')}` })
  operator!: string;

  @IsDefined({ message: 'argument is required (it may be null)' })
  @ValidateIf((condition: ConditionDto) => condition.argument !== null)
  @IsString()
  @CodePointLength(0, LIMITS.conditionArgumentLength)
  @Matches(STORABLE_TEXT, STORABLE_TEXT_MESSAGE)
  argument!: string | null;
}

export class ConditionsDto {
  @IsArray()
  @ArrayMaxSize(LIMITS.conditions)
  @ValidateNested({ each: true })
  conditions!: ConditionDto[];
}

export class PreferenceSetOptionsDto {
  @IsOptional()
  @IsString()
  @CodePointLength(1, LIMITS.idLength)
  id?: string;

  @IsOptional()
  @IsIn(PERSISTENCE_STRATEGIES as readonly string[])
  __persistence_strategy__?: string;
}

/** The `user_ids` of a bulk body (set preferences, delete users). */
export class UserIdsDto {
  @IsArray()
  @ArrayMinSize(1)
  // Counted as sent: a repeated id is accepted (and counts once in the operation), but takes a place here.
  @ArrayMaxSize(LIMITS.bulkUsers, { message: `user_ids may hold at most ${LIMITS.bulkUsers} ids` })
  user_ids!: unknown[];
}

export class BulkRequestDto extends UserIdsDto {
  @IsDefined()
  @IsObject()
  preferences!: unknown;
}

/** Flattens class-validator's tree into one FieldError per failed constraint, with dotted paths. */
function collect(errors: ValidationError[], path: string, out: FieldError[]): void {
  for (const error of errors) {
    const field = path ? `${path}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      out.push({ field, message: message.replace(error.property, field), type: constraint });
    }
    if (error.children && error.children.length > 0) collect(error.children, field, out);
  }
}

/** A DTO instance holding the given fields, as they are: nothing nested is read or copied. */
export function instanceOf<T extends object>(dto: new () => T, fields: Record<string, unknown>): T {
  const instance = new dto();
  for (const [key, value] of Object.entries(fields)) (instance as Record<string, unknown>)[key] = value;
  return instance;
}

export function validateWith(instance: object, path: string, out: FieldError[]): void {
  collect(validateSync(instance, { forbidUnknownValues: true, stopAtFirstError: true }), path, out);
}
