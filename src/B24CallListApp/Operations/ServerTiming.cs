using System.Diagnostics;
using System.Globalization;
using B24CallListApp.Bitrix24;

namespace B24CallListApp.Operations;

public static class ServerTiming
{
    /// <summary>
    /// A <c>Server-Timing</c> header on every answer: the app's whole time, and how much of it was spent
    /// waiting for portals, so that an operator (or the browser's network panel) tells a slow portal from a
    /// slow app. Only durations and a count: nothing about the portal or the user.
    /// </summary>
    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            var portals = PortalTime.Start();
            context.Response.OnStarting(() =>
            {
                var total = Stopwatch.GetElapsedTime(started);
                context.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture,
                    $"app;dur={total.TotalMilliseconds:F1}, portal;dur={portals.Waited.TotalMilliseconds:F1};desc=\"{portals.Calls} requests\"");
                return Task.CompletedTask;
            });
            await next(context);
        });
}
