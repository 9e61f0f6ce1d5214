import pino from 'pino';
import type { Config } from '../../src/config/schema.js';
import type { Engine } from '../../src/engine/engine.js';
import { createEngine, createPipeline, createServices, type PipelineOptions } from '../../src/scan/compose.js';
import type { Pipeline } from '../../src/scan/pipeline.js';
import type { Services } from '../../src/scan/services.js';
import type { TokenStore } from '../../src/store/tokens.js';

/** Services for a test: a silent logger, an in-memory store, no metrics; override what the test drives. */
export function testServices(over: Partial<Services> = {}): Services {
  return createServices({ log: pino({ level: 'silent' }), services: over });
}

/** The configured engine, as the server builds it, with test services. */
export function testEngine(config: Readonly<Config>, source?: string, deps: { tokens?: TokenStore } = {}): Engine {
  return createEngine(config, testServices(), source, deps);
}

export function testPipeline(config: Readonly<Config>, o: Partial<PipelineOptions> = {}): Pipeline {
  return createPipeline(config, { services: testServices(), ...o });
}
