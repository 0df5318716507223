// The tests share one namespace lab and the machine's two cores: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
