namespace Overlay.Testing;

/// <summary>The <see cref="TheoryAttribute"/> form of <see cref="RootFactAttribute"/>: needs root,
/// /dev/net/tun and ip(8) plus <see cref="Tools"/>; skipped with the reason outside CI only.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RootTheoryAttribute : TheoryAttribute
{
    private string? _skip;

    /// <summary>Tools the test needs beyond ip(8).</summary>
    public string[] Tools { get; set; } = [];

    /// <inheritdoc />
    public override string? Skip
    {
        get => _skip ?? RootEnvironment.SkipReason(needsTun: true, ["ip", .. Tools]);
        set => _skip = value;
    }
}
