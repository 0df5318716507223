namespace Overlay.Actors.Leases;

/// <summary>
/// Who sent a registry command, as the registry authorises it: the sender's cluster
/// address, taken from the sender's actor path (<c>Sender.Path.Address</c>), never from the command.
/// </summary>
/// <param name="Address">The sender's cluster address ("akka.tcp://overlay@192.0.2.12:4054"); null
/// for a sender in the registry's own actor system (trusted: the seed's management API and config
/// pusher, in-process tests); empty for a message without a sender (trusted for nothing).</param>
public sealed record CommandOrigin(string? Address)
{
    /// <summary>A sender in the registry's own actor system.</summary>
    public static readonly CommandOrigin Local = new((string?)null);

    /// <summary>A message that came without a sender.</summary>
    public static readonly CommandOrigin Anonymous = new("");

    /// <summary>True for <see cref="Local"/>.</summary>
    public bool IsLocal => Address is null;

    /// <summary>The address for messages: the cluster address, "the registry's own actor system" or
    /// "a sender-less message".</summary>
    public override string ToString() => Address switch
    {
        null => "the registry's own actor system",
        "" => "a message without a sender",
        var address => address,
    };
}
