// Cluster tests start several actor systems, child processes and failure-detector timers each;
// run side by side on a 2-core machine they starve each other's heartbeats and time out. One
// test class at a time keeps their timing honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
