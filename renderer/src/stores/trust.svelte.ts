import type { ApiRequest, TrustPolicy, VerifyReport } from '../api/types.js';
import { attempt, Resource } from './resource.svelte.js';

/** Trust policies, and verifying an image against them. */
export class TrustStore extends Resource<TrustPolicy[]> {
  protected readonly refreshOn = ['settings'] as const;

  protected fetch() {
    return this.api.call('trust.list', {});
  }

  async add(policy: ApiRequest<'trust.add'>): Promise<TrustPolicy> {
    const result = await attempt(() => this.api.call('trust.add', policy));
    void this.refresh();
    return result;
  }

  async remove(name: string): Promise<void> {
    await attempt(() => this.api.call('trust.remove', { name }));
    void this.refresh();
  }

  verify(image: string): Promise<VerifyReport> {
    return attempt(() => this.api.call('verify.run', { image }));
  }
}
