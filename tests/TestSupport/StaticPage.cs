using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TestSupport;

/// <summary>One HTML page on an origin of its own: a stranger's site, for what browsers must refuse it.</summary>
public sealed class StaticPage : IAsyncDisposable
{
    readonly WebApplication _app;

    StaticPage(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.First().TrimEnd('/') + "/");

    public static async Task<StaticPage> StartAsync(string html)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(async context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(html);
        });
        await app.StartAsync();
        return new StaticPage(app);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
