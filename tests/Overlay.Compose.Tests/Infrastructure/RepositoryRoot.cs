namespace Overlay.Compose.Tests.Infrastructure;

/// <summary>The repository's root directory (the one holding Overlay.sln), found by walking up
/// from the test assembly's directory.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The directory holding Overlay.sln; throws when the tests run outside a checkout.</summary>
    public static string Path => Root.Value;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Overlay.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Overlay.sln above {AppContext.BaseDirectory}: the compose tests run from a checkout");
    }
}
