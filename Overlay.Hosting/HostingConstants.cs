namespace Overlay.Hosting;

/// <summary>The numbers of the hosting layer, each with its reason.</summary>
public static class HostingConstants
{
    /// <summary>How long the registry warm-up waits for each plugin's answer. Generous: it runs in
    /// the background and a slow database only makes it log a warning.</summary>
    public static readonly TimeSpan RegistryWarmUpTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Leases in the warm-up's synthetic state: enough that every code path of the decode
    /// and the rebuild runs (and the loops tier up), few enough to cost a few milliseconds.</summary>
    public const int RegistryWarmUpLeases = 64;

    /// <summary>The warm-up's synthetic network (never persisted, never sent anywhere).</summary>
    public const string RegistryWarmUpNetConf = """{"Network":"10.244.0.0/16","SubnetLen":24}""";

    /// <summary>How long one lookup of a required actor waits before it looks again (see
    /// RequiredActorLookup): short, because a lookup that missed the registration waits out its
    /// whole round; long enough that start-up, when actors register, costs a few rounds at most.</summary>
    public static readonly TimeSpan ActorLookupRound = TimeSpan.FromMilliseconds(250);
}
