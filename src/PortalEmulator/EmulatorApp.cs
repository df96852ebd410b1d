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
        // Typed control bodies (Control/ControlRequests.cs) are validated before their handlers run; every
        // refusal, of a body that is not JSON of the shape too, keeps the contract's 400 {"error": "..."}.
        builder.Services.AddValidation();
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["error"] = context.ProblemDetails is HttpValidationProblemDetails { Errors.Count: > 0 } invalid
                ? invalid.Errors.First().Value.FirstOrDefault() ?? "invalid request"
                : context.Exception is BadHttpRequestException unreadable ? unreadable.Message
                : context.ProblemDetails.Detail ?? context.ProblemDetails.Title ?? "bad request");
        builder.Services.AddHttpClient("app").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

        var app = builder.Build();
        // The control API: a body that cannot be read as its endpoint's type is the caller's mistake (400), and
        // every refusal says why. The OAuth server keeps Bitrix24's own answers, bodies or none.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/_emulator"), control =>
        {
            control.UseExceptionHandler(new ExceptionHandlerOptions
            {
                StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : 500,
                SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
            });
            control.UseStatusCodePages();
        });
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
