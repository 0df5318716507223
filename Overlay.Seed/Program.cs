using System.CommandLine;
using Overlay.Hosting.Cli;
using Overlay.Seed;
using Overlay.Seed.Cli;

var options = new SeedOptions();
var root = new RootCommand("overlay-seed: the Overlay cluster's entry point and the host of the subnet lease registry.");
options.AddTo(root);
SeedCommands.AddTo(root);
root.SetAction(async (parse, cancellation) =>
{
    var settings = options.Bind(parse);
    await SeedHost.RunAsync(settings, cancellation);
    return 0;
});
return await ProcessRunner.RunAsync(root, args);
