/** perfmem: hsperfdata regions for Node (publish, attach, discover). */
export * from './perfdata/index.js';
export * from './perfmemory/index.js';
