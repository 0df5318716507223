namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A <see cref="FactAttribute"/> for tests that need root, network namespaces and (unless
/// <see cref="TopologyOnly"/>) /dev/net/tun. Outside CI it skips with the missing piece as the
/// reason; with CI=true it never skips, so a broken CI machine fails loudly.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RootFactAttribute : FactAttribute
{
    private string? _skip;

    /// <summary>Tools the test needs beyond ip, ping and curl (e.g. "tcpdump").</summary>
    public string[] Tools { get; set; } = [];

    /// <summary>True for tests of the namespace topology alone, which need no TUN device.</summary>
    public bool TopologyOnly { get; set; }

    /// <inheritdoc />
    public override string? Skip
    {
        // Computed on read because Tools and TopologyOnly are set after the constructor runs.
        get => _skip ?? (RootEnvironment.IsCi ? null : RootEnvironment.MissingReason(!TopologyOnly, Tools));
        set => _skip = value;
    }
}
