using System.CommandLine;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Management;
using Overlay.Hosting.Registry;
using Overlay.Seed;

var options = new SeedOptions();
var root = new RootCommand("overlay-seed: the Overlay cluster's entry point and the host of the subnet lease registry.");
options.AddTo(root);
root.SetAction(async (parse, cancellation) =>
{
    var settings = options.Bind(parse);
    await SeedHost.RunAsync(settings, cancellation);
    return 0;
});
return await ProcessRunner.RunAsync(root, args);
