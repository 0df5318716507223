namespace Overlay.Node.Tun;

/// <summary>What Linux accepts as a network interface name, stated once: --tun-name is checked
/// against it when read, and the TUN device before it asks the kernel.</summary>
public static class InterfaceName
{
    /// <summary>Longest name: IFNAMSIZ (16) less the terminating NUL.</summary>
    public const int MaxLength = TunInterop.IFNAMSIZ - 1;

    /// <summary>The rule in words, for error messages and help.</summary>
    public static readonly string Rule = $"1..{MaxLength} printable ASCII characters, no spaces or '/'";

    /// <summary>True when <paramref name="name"/> follows <see cref="Rule"/>.</summary>
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && name.All(c => c is > ' ' and <= '~' && c != '/');
}
