using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TestSupport;

/// <summary>
/// A minimal app for the portal's iframe that runs the official frame client, unmodified (the app's
/// vendored b24jssdk UMD build): tests call its commands in the frame and check what the portal answers.
/// </summary>
public sealed class FrameTestApp : IAsyncDisposable
{
    readonly WebApplication _app;

    FrameTestApp(WebApplication app) => _app = app;

    /// <summary>Served as localhost, so the frame is cross-site to a portal on 127.0.0.1.</summary>
    public Uri Url => new($"http://localhost:{new Uri(_app.Urls.First()).Port}/");

    public const string Page = """
        <!doctype html><html><head><meta charset="utf-8"><title>Frame test app</title>
        <script src="/b24jssdk.min.js"></script></head>
        <body><h1>Frame test app</h1>
        <script>window.frameReady = B24Js.initializeB24Frame();</script></body></html>
        """;

    public static async Task<FrameTestApp> StartAsync()
    {
        var sdk = Path.Combine(AppInstances.RepositoryRoot, "wwwroot", "lib", "b24jssdk", "2.2.0", "b24jssdk.min.js");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path == "/b24jssdk.min.js")
            {
                context.Response.ContentType = "text/javascript";
                await context.Response.SendFileAsync(sdk);
                return;
            }

            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(Page);
        });
        await app.StartAsync();
        return new FrameTestApp(app);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
