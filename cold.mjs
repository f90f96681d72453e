const { attach } = await import('/work/wt-perf/dist/src/bundle/index.js');
const start = performance.now();
const view = attach(13832);
view.snapshot();
view.detach();
console.log(performance.now() - start);
