using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Hosting.Logging;

namespace Overlay.Hosting.Management;

/// <summary>The web host both processes run in: Kestrel on the management address only, console
/// logs in the chosen format, and a shutdown timeout above Akka's coordinated shutdown phases.</summary>
public static class ManagementHost
{
    /// <summary>How long SIGTERM may take: cluster leave (10s) plus stopping the data path.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A builder whose Kestrel listens on <paramref name="settings"/> and nowhere else, logging
    /// as <paramref name="log"/> says (text at Information by default). <paramref name="settings"/> is
    /// registered as a singleton: the write routes read the token from it.</summary>
    public static WebApplicationBuilder CreateBuilder(ManagementSettings settings, LogSettings? log = null)
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
        // Type=notify: READY=1 once the host started, STOPPING=1 on SIGTERM; a no-op outside systemd.
        // Registered before the console provider so that the chosen format is the one that stays.
        builder.Services.AddSystemd();
        builder.Logging.AddOverlayConsole(log ?? LogSettings.Default);
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddHealthChecks();
        return builder;
    }
}
