using B24CallListApp.Bitrix24;
using B24CallListApp.Data;
using B24CallListApp.Pages;
using B24CallListApp.Portals;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDatabase(builder.Configuration);
builder.Services.AddBitrix24(builder.Configuration);
builder.Services.AddPortals();
builder.Services.AddHealthChecks().AddDbContextCheck<AppDb>();
builder.Services.Configure<ForwardedHeadersOptions>(options =>
    // Only proxies on loopback (the defaults) are believed about the public scheme and host.
    options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedHost);

var app = builder.Build();
app.UseForwardedHeaders();
app.UseExceptionHandler(error => error.Run(context =>
    Html.Message(context, 500, Texts.Language(context.Request.Query["LANG"]), "Error").ExecuteAsync(context)));
app.UseStaticFiles();
app.MapHealthChecks("/healthz");
app.MapPortals();
app.MapAppPages();

await app.MigrateDatabaseAsync();
await app.RunAsync();

public partial class Program;
