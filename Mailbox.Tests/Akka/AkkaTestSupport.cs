using System.Collections.Concurrent;
using Akka.Configuration;

namespace Mailbox.Tests.AkkaHosting;

/// <summary>
/// HOCON for the tests' actor systems: loopback only, OS-assigned ports, quiet logs, short cluster timings, no CLR
/// shutdown hook (xunit owns the process). The namespace is not <c>Mailbox.Tests.Akka</c> on purpose: a namespace named
/// Akka inside Mailbox.Tests would capture the qualified <c>Akka.TestKit</c> names other test files write.
/// </summary>
internal static class AkkaTestConfig
{
    /// <summary>Two systems talking over Akka.Remote.</summary>
    public static Config Remote { get; } = ConfigurationFactory.ParseString("""
        akka {
          loglevel = WARNING
          actor.provider = remote
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """);

    /// <summary>Cluster members with sharding: fast gossip and leader actions, no durable DData (no LMDB files), no idle passivation, no rebalancing during a test.</summary>
    public static Config Cluster { get; } = ConfigurationFactory.ParseString("""
        akka {
          loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          coordinated-shutdown.run-by-clr-shutdown-hook = off
          cluster {
            gossip-interval = 200ms
            leader-actions-interval = 200ms
            periodic-tasks-initial-delay = 100ms
            sharding {
              distributed-data.durable.keys = []
              passivate-idle-entity-after = off
              rebalance-interval = 120s
              retry-interval = 200ms
            }
          }
        }
        """);

    /// <summary>The address a system listens on (its OS-assigned port included).</summary>
    public static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;
}

/// <summary>An actor that puts everything it receives in a queue the test reads: how a test watches the event stream of a system other than its TestKit's.</summary>
internal sealed class Collector : ReceiveActor
{
    public Collector(ConcurrentQueue<object> into) => ReceiveAny(into.Enqueue);
}

/// <summary>Starts <see cref="Collector"/>s.</summary>
internal static class Collectors
{
    /// <summary>Starts a collector on <paramref name="system"/> subscribed to <paramref name="topics"/>.</summary>
    public static IActorRef Subscribe(ActorSystem system, ConcurrentQueue<object> into, params Type[] topics)
    {
        var collector = system.ActorOf(Props.Create(() => new Collector(into)));
        foreach (var topic in topics)
        {
            system.EventStream.Subscribe(collector, topic);
        }

        return collector;
    }
}

/// <summary>The Akka tests run one after the other: each starts actor systems (two of them form a cluster), and a 2-core machine is no place to run those side by side.</summary>
[CollectionDefinition(Name)]
public sealed class AkkaTestGroup
{
    public const string Name = "Akka actor systems";
}
