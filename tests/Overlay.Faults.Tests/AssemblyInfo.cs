// Every fault row builds a namespace lab of its own and the machine has two cores: one row at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
