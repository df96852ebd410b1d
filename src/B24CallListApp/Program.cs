using B24CallListApp.Bitrix24;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddBitrix24(builder.Configuration);

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok("ok"));
app.Run();

public partial class Program;
