namespace ClusterRooms;

// What crosses the wire between the nodes: plain records, serialized by Akka's default JSON serializer.

/// <summary>A client says something in a room; <paramref name="Seq"/> counts that client's messages to that room from 0.</summary>
public sealed record Say(string Room, string Client, int Seq, string Text);

/// <summary>Asks a room where it lives.</summary>
public sealed record WhereAreYou(string Room);

/// <summary>A room's answer: the node whose loop runs it and how many lines that incarnation has taken.</summary>
public sealed record Here(string Room, string Node, long Lines);
