import { cosignValidators } from './cosign/cosign-validator.js';
import { notaryV1Validator } from './notary-v1/notary-v1-validator.js';
import { notationValidator } from './notation/notation-validator.js';
import type { ValidatorRegistry } from './signature-validator.js';

/** The validators Gatehouse ships, one per anchor kind. */
export function defaultValidators(): ValidatorRegistry {
  return { ...cosignValidators(), 'notary-v1': notaryV1Validator, notation: notationValidator };
}
