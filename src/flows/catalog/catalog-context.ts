/** The catalog flow's context: the shared flow context plus its config block. */
import type { FlowContext } from '../flow-context.js';
import type { CatalogConfig } from './catalog-config.js';

export interface CatalogFlowContext extends Omit<FlowContext, 'metrics' | 'mapping'> {
  mapping?: FlowContext['mapping'];
  catalog: CatalogConfig;
}
