using Mailbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedWorker;

/// <summary>
/// A background service that hands its jobs to the "jobs" loop: each job is a coroutine that waits on the loop's clock
/// and updates state only the loop touches. After the last job it asks the host to stop; the host drains the loop.
/// </summary>
internal sealed partial class Worker(
    [FromKeyedServices("jobs")] LoopActor loop,
    IHostApplicationLifetime lifetime,
    ILogger<Worker> logger) : BackgroundService
{
    private const int Jobs = 20;
    private int _completed; // the loop thread only

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var jobs = Enumerable.Range(1, Jobs).Select(id => loop.RunAsync(async token =>
        {
            await LoopActor.Delay(TimeSpan.FromMilliseconds(10 * (id % 5)), token);
            _completed++;
            return id;
        }, stoppingToken));
        int[] done = await Task.WhenAll(jobs);
        int completed = await loop.RunAsync(() => Task.FromResult(_completed), stoppingToken);
        LogJobsDone(logger, done.Length, loop.Name, completed);

        // A last fire-and-forget message, still queued when the host begins to stop: Drain runs it.
        loop.Post(() => LogLastMessage(logger));
        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} jobs done on loop {Loop}; the loop counted {Completed}")]
    private static partial void LogJobsDone(ILogger logger, int count, string loop, int completed);

    [LoggerMessage(Level = LogLevel.Information, Message = "last message ran during the drain")]
    private static partial void LogLastMessage(ILogger logger);
}
