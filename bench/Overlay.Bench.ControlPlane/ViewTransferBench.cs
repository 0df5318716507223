using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Overlay.Actors.Leases;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// How long a fresh node takes to receive the whole lease view, over real remoting on
/// 127.0.0.1. A registry member recovers <c>leases</c> bulk-written grants from SQLite; a second
/// member (role node) joins it and starts a <see cref="LeaseSubscriberActor"/> through its registry
/// proxy, <c>runs</c> times, each timed from the subscriber's start (subscribe, ack, every piece) to
/// the owner holding every lease. The first run includes the registry cutting the view into
/// pieces and JIT; later runs are served from the cut it keeps. Bytes per full transfer are the
/// serialized sizes of every piece, asked for through the same proxy.
/// </summary>
public static class ViewTransferBench
{
    /// <summary>Runs it and returns the JSON result.</summary>
    public static async Task<JsonObject> RunAsync(int leases, int runs)
    {
        var storage = await BenchStorage.CreateAsync("sqlite", null);
        try
        {
            var generation = await RecoveryBench.BulkGenerateAsync(storage.Settings, leases, BenchConstants.DefaultSnapshotEvery);
            Console.Error.WriteLine($"view-transfer: {leases} grants written in {generation.TotalSeconds:F1}s");
            await using var seed = await BenchMember.StartAsync(storage.Settings, RegistrySettings.Default, null);
            var version = await seed.AskRegistryAsync(new GetLeaseVersion(0)) as LeaseVersionIs
                          ?? throw new InvalidOperationException("the registry did not answer a version probe");
            await using var node = await BenchMember.StartAsync(null, null, seed.Address.ToString());

            var measured = new JsonArray();
            for (var run = 0; run < runs; run++)
            {
                var done = new TaskCompletionSource<LeaseView>(TaskCreationOptions.RunContinuationsAsynchronously);
                var owner = node.System.ActorOf(Props.Create(() => new ViewWaiter(leases, done)));
                var watch = Stopwatch.StartNew();
                var subscriber = node.System.ActorOf(LeaseSubscriberActor.Props(node.Registry, owner));
                var view = await done.Task.WaitAsync(BenchConstants.FormTimeout * 5);
                var elapsed = watch.Elapsed;
                var stats = await subscriber.Ask<SubscriberStats>(GetSubscriberStats.Instance, BenchConstants.AskTimeout);
                node.System.Stop(subscriber);
                node.System.Stop(owner);
                Console.Error.WriteLine($"view-transfer: run {run + 1}: {view.Leases.Count} leases at version {view.Version} in {elapsed.TotalMilliseconds:F0} ms");
                measured.Add(new JsonObject
                {
                    ["ms"] = Math.Round(elapsed.TotalMilliseconds, 1),
                    ["view_version"] = view.Version,
                    ["piece_retries"] = stats.PieceRetries,
                    ["transfer_restarts"] = stats.TransferRestarts,
                });
            }

            var first = await node.Registry.Ask<LeaseSnapshotPiece>(new GetLeaseSnapshotPiece(0, 0), BenchConstants.AskTimeout);
            var serializer = node.System.Serialization.FindSerializerFor(first);
            long bytes = 0, largest = 0;
            for (var k = 0; k < first.Count; k++)
            {
                var piece = await node.Registry.Ask<LeaseSnapshotPiece>(new GetLeaseSnapshotPiece(first.Version, k), BenchConstants.AskTimeout);
                var size = serializer.ToBinary(piece).Length;
                bytes += size;
                largest = Math.Max(largest, size);
            }
            return new JsonObject
            {
                ["path"] = "in-process, two cluster members over real remoting on 127.0.0.1, registry recovered from SQLite",
                ["leases"] = leases,
                ["registry_version"] = version.Version,
                ["pieces"] = first.Count,
                ["bytes_per_full_transfer"] = bytes,
                ["largest_piece_bytes"] = largest,
                ["runs"] = measured,
            };
        }
        finally
        {
            await storage.DeleteAsync();
        }
    }

    /// <summary>Completes when a view holds at least the expected number of leases.</summary>
    private sealed class ViewWaiter : ReceiveActor
    {
        public ViewWaiter(int leases, TaskCompletionSource<LeaseView> done)
        {
            Receive<LeaseViewChanged>(changed =>
            {
                if (changed.View.Leases.Count >= leases)
                    done.TrySetResult(changed.View);
            });
            Receive<SubscriberStats>(_ => { });
        }
    }
}
