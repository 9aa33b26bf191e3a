using AkkaTestKit = Akka.TestKit.Xunit2.TestKit;
using Mailbox.Akka;
using Xunit.Abstractions;

namespace Mailbox.Tests.AkkaHosting;

/// <summary>
/// A loop actor on system B, asked from system A over Akka.Remote on 127.0.0.1 (OS-assigned ports). The TestKit's own
/// system is A; B is started and terminated by each test.
/// </summary>
[Collection(AkkaTestGroup.Name)]
public sealed class RemoteLoopActorTests(ITestOutputHelper output) : AkkaTestKit(AkkaTestConfig.Remote, nameof(RemoteLoopActorTests), output), IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ActorSystem _b = ActorSystem.Create("B", AkkaTestConfig.Remote);

    public Task InitializeAsync()
    {
        LoopActorProps.Install(_b);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _b.Terminate().WaitAsync(Patience);

    [Fact]
    public async Task Ask_ProbeOnSystemAAsksALoopActorOnSystemB_ReplyComesBackFromBsLoopThread()
    {
        _b.ActorOf(LoopActorProps.Create("remote-echo", async (message, context) =>
        {
            await LoopActor.Yield();
            context.Reply(new RemoteEcho(((RemoteRequest)message).Text, context.Loop.IsOnLoopThread, Thread.CurrentThread.Name ?? ""));
        }), "echo");
        var echo = await ResolveOnBAsync("echo");
        Assert.NotEqual(AkkaTestConfig.AddressOf(Sys), echo.Path.Address);

        // Ask: the temporary asker lives on A; the reply crosses back over the wire.
        var reply = await echo.Ask<RemoteEcho>(new RemoteRequest("hello across the wire"), Patience);
        Assert.Equal(new RemoteEcho("hello across the wire", true, "Mailbox loop 'remote-echo'"), reply);

        // A probe of A as the sender: the reply context's Sender is the remote probe.
        var probe = CreateTestProbe();
        echo.Tell(new RemoteRequest("to the probe"), probe);
        await probe.ExpectMsgAsync(new RemoteEcho("to the probe", true, "Mailbox loop 'remote-echo'"), Patience);
    }

    [Fact]
    public async Task Tell_TenThousandMessagesFromOneRemoteSender_KeepTheirOrderBothWays()
    {
        const int Count = 10_000;
        int next = 0;        // loop thread only
        int outOfOrder = 0;  // loop thread only
        _b.ActorOf(LoopActorProps.Create("remote-order", (message, context) =>
        {
            switch (message)
            {
                case RemoteSeq seq:
                    outOfOrder += seq.N == next ? 0 : 1;
                    next = seq.N + 1;
                    context.Reply(new RemoteAck(seq.N));
                    break;
                case RemoteRequest:
                    context.Reply(new RemoteSummary(next, outOfOrder));
                    break;
            }

            return Task.CompletedTask;
        }), "order");
        var order = await ResolveOnBAsync("order");
        var probe = CreateTestProbe();

        for (int i = 0; i < Count; i++)
        {
            order.Tell(new RemoteSeq(i), probe);
        }

        int expected = 0;
        await foreach (var ack in probe.ReceiveNAsync(Count, TimeSpan.FromSeconds(20)))
        {
            Assert.Equal(new RemoteAck(expected++), ack);
        }

        order.Tell(new RemoteRequest("summary"), probe);
        var summary = await probe.ExpectMsgAsync<RemoteSummary>(Patience);
        Assert.Equal(new RemoteSummary(Count, 0), summary);
    }

    /// <summary>A reference, on A, to an actor of B.</summary>
    private Task<IActorRef> ResolveOnBAsync(string name) =>
        Sys.ActorSelection(new RootActorPath(AkkaTestConfig.AddressOf(_b)) / "user" / name).ResolveOne(Patience);
}

/// <summary>Messages that cross the wire: plain records, serialized by Akka's default JSON serializer.</summary>
public sealed record RemoteRequest(string Text);

public sealed record RemoteEcho(string Text, bool OnLoopThread, string ThreadName);

public sealed record RemoteSeq(int N);

public sealed record RemoteAck(int N);

public sealed record RemoteSummary(int Received, int OutOfOrder);
