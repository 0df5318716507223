using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// One member process of the scale bench (internal command <c>scale-member</c>, started by
/// <see cref="ScaleBench"/>): a real cluster member (role node, registry proxy) hosting
/// <c>count</c> simulated nodes, each a real <see cref="NodeActor"/> over a
/// <see cref="ScaleDataplane"/> with its own node name (<c>scale-node-i</c>) and public IP
/// (<see cref="ScaleAggregation.NodeAddress"/>). All of them send from this process's cluster
/// address, which the registry allows: it refuses two live members with one name or IP, and every
/// simulated node has its own of both.
///
/// Line protocol: it prints "up" once every subscriber-only node holds a lease and subscribes, then
/// answers one line per command read from stdin: "start-full" (start the full NodeActors, in
/// batches), "converge N" (every node routes to N-1 others / holds a view of N), "wait SUBNET"
/// (every node routes to SUBNET), "report S1,S2,.." (JSON: per subnet, each node's install timestamp, 0 = none),
/// "restart K" (stop K nodes, start fresh ones with the same names; JSON: acquire ms each),
/// "fresh N" (a new subscriber until it holds N leases; ms), "quit". Errors answer "err TEXT".
/// </summary>
public static class ScaleMemberCommand
{
    private sealed record SimNode(NodeIdentity Identity, ScaleDataplane Dataplane, IActorRef Actor);

    /// <summary>Runs the member until "quit" or end of input: <paramref name="count"/> simulated
    /// nodes from index <paramref name="first"/>, the first <paramref name="full"/> of them full
    /// NodeActors (started on "start-full"), the rest <see cref="SubscriberNode"/>s (started at once).</summary>
    public static async Task<JsonObject> RunAsync(string seed, int first, int count, int full, TextWriter output)
    {
        await using var member = await BenchMember.StartAsync(null, null, seed, hocon: BenchConstants.ScaleHocon);
        var nodes = new SimNode?[full];
        var subscribers = new SubscriberNode[count - full];
        using (var gate = new SemaphoreSlim(BenchConstants.ScaleAcquireConcurrency))
        {
            await Task.WhenAll(subscribers.Select(async (_, k) =>
            {
                await gate.WaitAsync();
                try
                {
                    var index = first + full + k;
                    var reply = await member.AskRegistryAsync(new AcquireLease($"scale-node-{index}", ScaleAggregation.NodeAddress(index),
                        8285, null, ""), BenchConstants.ScaleStepDeadline);
                    if (reply is not LeaseAcquired)
                        throw new InvalidOperationException($"acquire for scale-node-{index} failed: {reply}");
                    var node = new SubscriberNode { StartedAt = Stopwatch.GetTimestamp() };
                    node.Subscribe(member.System, member.Registry);
                    subscribers[k] = node;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        Reply(output, "up");

        while (await Console.In.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ', 2);
            var arg = parts.Length > 1 ? parts[1] : "";
            try
            {
                switch (parts[0])
                {
                    case "start-full":
                        for (var batch = 0; batch < full; batch += BenchConstants.ScaleStartBatch)
                        {
                            var end = Math.Min(full, batch + BenchConstants.ScaleStartBatch);
                            for (var i = batch; i < end; i++)
                                nodes[i] = Start(member, first + i);
                            await WaitAsync(() => nodes.Skip(batch).Take(end - batch).All(n => n!.Dataplane.StartedAt != 0),
                                BenchConstants.ScaleStepDeadline, $"nodes {first + batch}..{first + end - 1} holding a lease");
                        }
                        Reply(output, "ok");
                        break;
                    case "converge":
                        var total = int.Parse(arg);
                        await WaitAsync(() => nodes.All(n => n!.Dataplane.RouteCount >= total - 1) && subscribers.All(n => n.ViewCount >= total),
                            BenchConstants.ScaleStepDeadline, $"every node routing to {total - 1} peers");
                        Reply(output, "ok");
                        break;
                    case "wait":
                        var subnet = Ipv4Subnet.Parse(arg);
                        await WaitAsync(() => nodes.All(n => n!.Dataplane.InstalledAt(subnet) != 0) && subscribers.All(n => n.SeenAt(subnet) != 0),
                            BenchConstants.RouteDeadline, $"route {subnet} on every node");
                        Reply(output, "ok");
                        break;
                    case "report":
                        var report = new JsonObject();
                        foreach (var s in arg.Split(',', StringSplitOptions.RemoveEmptyEntries))
                        {
                            var parsed = Ipv4Subnet.Parse(s);
                            report[s] = new JsonArray(nodes.Select(n => n!.Dataplane.InstalledAt(parsed))
                                .Concat(subscribers.Select(n => n.SeenAt(parsed))).Select(t => (JsonNode)t).ToArray());
                        }
                        Reply(output, report.ToJsonString());
                        break;
                    case "restart":
                        var restarted = int.Parse(arg);
                        if (restarted > full)
                            throw new ArgumentException($"restart {restarted}: this process runs only {full} full nodes");
                        await Task.WhenAll(nodes.Take(restarted).Select(n => n!.Actor.GracefulStop(BenchConstants.AskTimeout)));
                        var t0 = Stopwatch.GetTimestamp();
                        for (var i = 0; i < restarted; i++)
                            nodes[i] = Start(member, first + i);
                        await WaitAsync(() => nodes.Take(restarted).All(n => n!.Dataplane.StartedAt != 0), BenchConstants.ScaleStepDeadline,
                            $"{restarted} restarted nodes holding a lease");
                        Reply(output, new JsonArray(nodes.Take(restarted)
                            .Select(n => (JsonNode)ScaleAggregation.Ms(t0, n!.Dataplane.StartedAt, Stopwatch.Frequency)).ToArray()).ToJsonString());
                        break;
                    case "fresh":
                        var expected = int.Parse(arg);
                        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        var owner = member.System.ActorOf(Props.Create(() => new ViewCounter(expected, done)));
                        var watch = Stopwatch.StartNew();
                        var subscriber = member.System.ActorOf(LeaseSubscriberActor.Props(member.Registry, owner));
                        await done.Task.WaitAsync(BenchConstants.ScaleStepDeadline);
                        var ms = watch.Elapsed.TotalMilliseconds;
                        member.System.Stop(subscriber);
                        member.System.Stop(owner);
                        Reply(output, ms.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case "quit":
                        return new JsonObject { ["nodes"] = count };
                    default:
                        Reply(output, $"err unknown command '{parts[0]}'");
                        break;
                }
            }
            catch (Exception e) when (e is TimeoutException or FormatException or ArgumentException)
            {
                Reply(output, $"err {parts[0]}: {e.Message.ReplaceLineEndings(" ")}");
            }
        }
        return new JsonObject { ["nodes"] = count };
    }

    private static SimNode Start(BenchMember member, int index)
    {
        var identity = new NodeIdentity($"scale-node-{index}", ScaleAggregation.NodeAddress(index), 8285, null);
        var timings = new NodeTimings(BenchConstants.ScaleRetryInterval, BenchConstants.ScaleResyncInterval);
        var dataplane = new ScaleDataplane();
        return new SimNode(identity, dataplane, member.System.ActorOf(NodeActor.Props(identity, timings, member.Registry, dataplane)));
    }

    private static void Reply(TextWriter output, string line)
    {
        output.WriteLine(line);
        output.Flush();
    }

    /// <summary>Polls every 2 ms until <paramref name="done"/> or the deadline.</summary>
    private static async Task WaitAsync(Func<bool> done, TimeSpan limit, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            if (watch.Elapsed > limit)
                throw new TimeoutException($"waited {limit.TotalSeconds}s for {what}");
            await Task.Delay(2);
        }
    }

    /// <summary>Completes when a view holds at least the expected number of leases.</summary>
    private sealed class ViewCounter : ReceiveActor
    {
        public ViewCounter(int leases, TaskCompletionSource done)
        {
            Receive<LeaseViewChanged>(changed =>
            {
                if (changed.View.Leases.Count >= leases)
                    done.TrySetResult();
            });
            ReceiveAny(_ => { });
        }
    }
}
