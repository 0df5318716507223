using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Overlay.Hosting.Management;

/// <summary>The web host both processes run in: Kestrel on the management address only, console
/// logs one line per entry, and a shutdown timeout above Akka's coordinated shutdown phases.</summary>
public static class ManagementHost
{
    /// <summary>How long SIGTERM may take: cluster leave (10s) plus stopping the data path.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A builder whose Kestrel listens on <paramref name="settings"/> and nowhere else.</summary>
    public static WebApplicationBuilder CreateBuilder(ManagementSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (IPAddress.TryParse(settings.Host, out var address))
                kestrel.Listen(address, settings.Port);
            else if (string.Equals(settings.Host, "localhost", StringComparison.OrdinalIgnoreCase))
                kestrel.ListenLocalhost(settings.Port);
            else
                kestrel.ListenAnyIP(settings.Port);
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddHealthChecks();
        return builder;
    }
}
