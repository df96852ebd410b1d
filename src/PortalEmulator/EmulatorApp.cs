using Microsoft.Extensions.Options;
using PortalEmulator.Control;
using PortalEmulator.OAuth;
using PortalEmulator.Portals;
using PortalEmulator.Rest;

namespace PortalEmulator;

/// <summary>Builds the emulator: OAuth server and control API on the main address; each portal listens on its own.</summary>
public static class EmulatorApp
{
    public static WebApplication Create(string[] args, Action<EmulatorOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddOptions<EmulatorOptions>()
            .Bind(builder.Configuration.GetSection(EmulatorOptions.Section))
            .Configure(o => configure?.Invoke(o))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PortalHosts>();
        builder.Services.AddSingleton<Emulator>();
        builder.Services.AddSingleton<PortalRequestHandler>();
        builder.Services.AddSingleton<PortalPage>();
        builder.Services.AddHttpClient("app").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

        var app = builder.Build();
        app.MapOAuthServer();
        app.MapEmulatorControl();
        app.MapGet("/", (Emulator emulator) => Results.Text(
            $"Bitrix24 portal emulator. OAuth server: {emulator.OAuthServer}. Control API under /_emulator/.", "text/plain"));
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Services.GetRequiredService<Emulator>().OAuthServer = app.Urls.First().TrimEnd('/') + "/");
        return app;
    }

    /// <summary>Starts an emulator on a free loopback port: for tests and benchmarks.</summary>
    public static async Task<WebApplication> StartAsync(Action<EmulatorOptions>? configure = null, string url = "http://127.0.0.1:0")
    {
        var app = Create(["--urls", url, "--Logging:LogLevel:Default=Warning"], configure);
        await app.StartAsync();
        return app;
    }

    public static Emulator Emulator(this WebApplication app) => app.Services.GetRequiredService<Emulator>();

    public static EmulatorOptions Options(this WebApplication app) => app.Services.GetRequiredService<IOptions<EmulatorOptions>>().Value;
}
