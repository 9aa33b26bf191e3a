using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

public sealed class LoggingTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Logging_LifecycleFaultsAndSlowCallbacks_AreLoggedWithTheirEventIdsAndTheLoopName()
    {
        var collector = new FakeLogCollector();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var loop = Spawn(new LoopOptions { LoggerFactory = factory, SlowCallbackThreshold = TimeSpan.FromMilliseconds(200) }, "logged");
        loop.Post(() => throw new FormatException("bad input"));
        loop.Post(SpinQuarterSecond);
        await WithinAsync(loop.StopAsync());

        var records = collector.GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 1 && r.Level == LogLevel.Debug);
        Assert.Contains(records, r => r.Id.Id == 2 && r.Level == LogLevel.Information);
        Assert.Contains(records, r => r.Id.Id == 3 && r.Message.Contains("executed 2", StringComparison.Ordinal));
        var fault = Assert.Single(records, r => r.Id.Id == 10);
        Assert.Equal(LogLevel.Error, fault.Level);
        Assert.Contains("LoggingTests.Logging_LifecycleFaultsAndSlowCallbacks_AreLoggedWithTheirEventIdsAndTheLoopName (lambda)", fault.Message, StringComparison.Ordinal);
        Assert.IsType<FormatException>(fault.Exception);
        Assert.Same(fault.Exception, await ExpectFaultAsync<FormatException>(loop));
        var slow = Assert.Single(records, r => r.Id.Id == 20);
        Assert.Equal(LogLevel.Warning, slow.Level);
        Assert.Contains(nameof(SpinQuarterSecond), slow.Message, StringComparison.Ordinal);
        Assert.All(records, r => Assert.Contains("logged", r.Message, StringComparison.Ordinal));
    }

    private static void SpinQuarterSecond()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 250)
        {
            Thread.SpinWait(100);
        }
    }
}
