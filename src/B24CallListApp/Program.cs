using B24CallListApp.Bitrix24;
using B24CallListApp.CallLists;
using B24CallListApp.Data;
using B24CallListApp.Operations;
using B24CallListApp.Pages;
using B24CallListApp.Portals;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDatabase(builder.Configuration);
builder.Services.AddBitrix24(builder.Configuration);
builder.Services.AddPortals(builder.Configuration);
builder.Services.AddCallLists(builder.Configuration);
builder.Services.AddAppPages();
builder.Services.AddHealth(builder.Configuration);
builder.Services.AddTelemetry(builder.Configuration);

var app = builder.Build();
app.UseAppPages();
app.MapHealth();
app.MapPortals();
app.MapAppPages();

app.WarnAboutUnsafeSettings();
await app.MigrateDatabaseAsync();
await app.RunAsync();

public partial class Program;
