using System.Reflection;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Where the repository's pieces are: found by walking up from the test assembly to Overlay.sln.
/// The process assemblies are taken from their own project output (same configuration as this
/// test assembly first), so each runs with its own deps.json and runtimeconfig.json.
/// </summary>
public static class RepositoryLayout
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The directory holding Overlay.sln.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>lab/topology.sh, the one topology implementation.</summary>
    public static string TopologyScript => Path.Combine(RepositoryRoot, "lab", "topology.sh");

    /// <summary>overlay-seed.dll (override: OVERLAY_SEED_DLL).</summary>
    public static string SeedDll => ProjectOutput("OVERLAY_SEED_DLL", "Overlay.Seed", "overlay-seed.dll");

    /// <summary>overlay-node.dll (override: OVERLAY_NODE_DLL).</summary>
    public static string NodeDll => ProjectOutput("OVERLAY_NODE_DLL", "Overlay.Node", "overlay-node.dll");

    /// <summary>overlay-bench-control-plane.dll (override: OVERLAY_BENCH_CONTROL_PLANE_DLL), for remote-load.</summary>
    public static string BenchControlPlaneDll =>
        ProjectOutput("OVERLAY_BENCH_CONTROL_PLANE_DLL", Path.Combine("bench", "Overlay.Bench.ControlPlane"), "overlay-bench-control-plane.dll");

    /// <summary>overlay-fuzz.dll (override: OVERLAY_FUZZ_DLL).</summary>
    public static string FuzzDll => ProjectOutput("OVERLAY_FUZZ_DLL", Path.Combine("tests", "Overlay.Fuzz"), "overlay-fuzz.dll");

    /// <summary>The program that runs the process assemblies: OVERLAY_E2E_DOTNET when set (a
    /// wrapper, e.g. to run the processes under a profiler or a stand-in), else the dotnet host
    /// running the tests (DOTNET_HOST_PATH), else dotnet from PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("OVERLAY_E2E_DOTNET") is { Length: > 0 } wrapper
            ? wrapper
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
                ? host
                : RootEnvironment.FindTool("dotnet") ?? "dotnet";

    private static string ProjectOutput(string overrideVariable, string projectDirectory, string assembly)
    {
        if (Environment.GetEnvironmentVariable(overrideVariable) is { Length: > 0 } overridden)
        {
            return File.Exists(overridden)
                ? overridden
                : throw new FileNotFoundException($"{overrideVariable} names a missing file: {overridden}");
        }

        string own = typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Name;
        var candidates = new[] { own, "Release", "Debug" }
            .Distinct()
            .Select(configuration => Path.Combine(RepositoryRoot, projectDirectory, "bin", configuration, framework, assembly))
            .ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{assembly} not built; looked in: {string.Join(", ", candidates)} (run 'dotnet build {projectDirectory}')");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Overlay.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Overlay.sln above {AppContext.BaseDirectory}");
    }
}
