using System.CommandLine;
using Overlay.Hosting.Cli;
using Overlay.Node;
using Overlay.Node.Agent;
using Overlay.Node.Cli;
using Overlay.Node.Underlay;

var options = new NodeOptions();
var root = new RootCommand("overlay-node: the Overlay host agent (subnet lease, TUN device, UDP data path).");
options.AddTo(root);
NodeCommands.AddTo(root);
root.SetAction(async (parse, cancellation) =>
{
    var settings = options.Bind(parse, new OsUnderlayProbe());
    return await NodeHost.RunAsync(settings, cancellation);
});
return await ProcessRunner.RunAsync(root, args);
