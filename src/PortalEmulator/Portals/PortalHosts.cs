using System.Collections.Concurrent;
using System.Net;
using PortalEmulator.Rest;

namespace PortalEmulator.Portals;

/// <summary>One small Kestrel listener per portal domain, so every portal has an origin of its own.</summary>
public sealed class PortalHosts(IServiceProvider services) : IAsyncDisposable
{
    readonly ConcurrentBag<WebApplication> _hosts = [];

    public async Task<string> StartAsync(Portal portal, string bindAddress, CancellationToken ct)
    {
        // An empty builder: no configuration files, so no file watcher per portal (the system's inotify
        // instances run out after a hundred or so, and load runs create a thousand portals).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(bindAddress), 0);
            kestrel.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        var domain = "";
        app.Run(context => services.GetRequiredService<PortalRequestHandler>().HandleAsync(context, portal, domain));
        await app.StartAsync(ct);
        domain = new Uri(app.Urls.First()).Authority;
        _hosts.Add(app);
        return domain;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}
