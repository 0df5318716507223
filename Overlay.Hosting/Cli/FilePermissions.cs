namespace Overlay.Hosting.Cli;

/// <summary>Checks that a secret file (management token, TLS private key) is readable by its
/// owner only, as ssh does for its keys: a secret that group or world can read is no secret.</summary>
public static class FilePermissions
{
    /// <summary>The permission bits that make a secret file readable by others than its owner.</summary>
    public const UnixFileMode OthersCanRead = UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Throws <see cref="SettingsException"/> naming <paramref name="source"/>, the file and its
    /// mode when group or world may read <paramref name="path"/>. No-op on non-Unix systems.</summary>
    public static void RequirePrivate(string path, string source, string what)
    {
        if (OperatingSystem.IsWindows())
            return;
        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"{source}: cannot read '{path}': {OneLine(ex.Message)}");
        }
        if ((mode & OthersCanRead) != 0)
            throw new SettingsException(
                $"{source}: the {what} '{path}' is readable by group or others (mode {Octal(mode)}); chmod 600 it");
    }

    /// <summary>A mode as chmod spells it ("0644").</summary>
    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    /// <summary><paramref name="text"/> on one line (exception messages sometimes span several).</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
