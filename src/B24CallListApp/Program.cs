var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
Console.WriteLine("CWD=" + Directory.GetCurrentDirectory() + " ROOT=" + app.Environment.ContentRootPath + " ENV=" + app.Environment.EnvironmentName);
