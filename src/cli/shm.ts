import { UsageError } from './errors.js';

export async function run(_argv: string[]): Promise<number> {
  throw new UsageError('shm: not built yet');
}
