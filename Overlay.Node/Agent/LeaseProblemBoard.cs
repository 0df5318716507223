using Akka.Actor;
using Overlay.Actors.Node;

namespace Overlay.Node.Agent;

/// <summary>
/// Why the node has no lease, as the node actor last published it (<see cref="NodeLeaseProblem"/>
/// on the actor system's event stream), for the readiness check: e.g. "lease refused: node name h2
/// is held by akka.tcp://overlay@192.0.2.12:4054 ...". Null while it holds a lease or before the
/// registry answered. Thread-safe: one volatile reference.
/// </summary>
public sealed class LeaseProblemBoard
{
    private volatile string? _problem;

    /// <summary>The last reported reason, or null.</summary>
    public string? Problem => _problem;

    /// <summary>Subscribes a small listener actor to the event stream of <paramref name="system"/>.</summary>
    public void Listen(ActorSystem system)
    {
        var listener = system.ActorOf(Props.Create(() => new Listener(this)), "lease-problem-board");
        system.EventStream.Subscribe(listener, typeof(NodeLeaseProblem));
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(LeaseProblemBoard board) => Receive<NodeLeaseProblem>(p => board._problem = p.Reason);
    }
}
