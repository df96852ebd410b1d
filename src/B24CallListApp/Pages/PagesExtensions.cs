using System.Globalization;
using B24CallListApp.Operations;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace B24CallListApp.Pages;

public static class PagesExtensions
{
    static readonly CultureInfo[] Languages = [new("en"), new("ru")];

    public static IServiceCollection AddAppPages(this IServiceCollection services)
    {
        services.AddLocalization();
        // Russian text stays readable in the page source instead of becoming character references.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        // The iframe has no usable cookies, so the cookie-based antiforgery is off; forms that change
        // data carry the app's own token bound to the page session (Portals/PageSessions.cs).
        services.AddRazorPages(options =>
        {
            options.Conventions.ConfigureFilter(new IgnoreAntiforgeryTokenAttribute());
            // The workspace's pages need a page session; without one they say why (SessionPageModel).
            options.Conventions.AuthorizeFolder("/Lists");
            options.Conventions.AuthorizeFolder("/Placement");
        });
        services.AddPageSessionAuthentication();
        services.AddSingleton<WorkspaceServices>();
        services.AddProblemDetails();
        services.AddExceptionHandler<WorkspaceExceptionHandler>();
        // Only proxies on loopback (the defaults) and in App:ForwardedHeaders:KnownNetworks are believed
        // about the client's address, the public scheme and the host.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<Portals.AppOptions>>((options, app) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            foreach (var network in app.Value.ForwardedHeaders.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    public static WebApplication UseAppPages(this WebApplication app)
    {
        app.UseForwardedHeaders();
        // Pages and the API answer GET, HEAD and POST only; anything else is not a failure of the app.
        app.Use((context, next) =>
        {
            var method = context.Request.Method;
            if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsPost(method))
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD, POST";
            return Task.CompletedTask;
        });
        app.UseServerTiming();
        // API answers carry one user's data, refusals and failures included: no cache may keep them.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.Use((context, next) =>
        {
            // Set as the answer starts: the exception handler clears the headers of a failed request.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            return next(context);
        }));
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/Error",
            // A portal that is busy or gone, a list that is not there: told to the user, not logged as the app's failure.
            SuppressDiagnosticsCallback = context => Problems.For(context.Exception) is not null,
        });
        app.UseStaticFiles();
        // The portal says the user's language in LANG (query string); anything but en and ru reads English.
        app.UseRequestLocalization(options =>
        {
            options.DefaultRequestCulture = new RequestCulture("en");
            options.SupportedCultures = Languages;
            options.SupportedUICultures = Languages;
            options.RequestCultureProviders = [new QueryStringRequestCultureProvider { QueryStringKey = "LANG", UIQueryStringKey = "LANG" }];
        });
        app.UseRouting();
        app.UseRateLimiter();
        // After routing, so the page session scheme sees which endpoint a request is for.
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static void MapAppPages(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapPageApi();
    }
}
