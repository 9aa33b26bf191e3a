// HostedWorker: a worker app whose loop starts with the host and is drained when the host stops.
using HostedWorker;
using Mailbox;
using Mailbox.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Services.AddLoopActor("jobs", o => o with { MailboxCapacity = 1_000 });
builder.Services.AddHostedService<Worker>();
using var host = builder.Build();
var loop = host.Services.GetRequiredKeyedService<LoopActor>("jobs"); // RunAsync disposes the container at the end
await host.RunAsync();

var report = await loop.Completion;
Console.WriteLine($"loop 'jobs' stopped with the host: {report}");
bool ok = report.Mode == StopMode.Drain && report.Executed == 22 && report.Discarded == 0;
Console.WriteLine(ok ? "OK" : "UNEXPECTED");
return ok ? 0 : 1;
