// One Docker daemon, one underlay subnet (198.51.100.0/24), two shared cores: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
