// Checks the dependency tree an application gets from client-stub (written by dependency:tree).
def tree = new File(basedir, 'dependency-tree.txt').text
println tree

def failures = []
def artifacts = tree.readLines().collect { line ->
  def m = line =~ /([\w.\-]+):([\w.\-]+):jar:(?:[\w.\-]+:)?([\w.\-]+):(compile|runtime|test|provided)/
  m.find() ? [group: m.group(1), name: m.group(2), version: m.group(3), scope: m.group(4)] : null
}.findAll { it != null }

def find = { g, a -> artifacts.find { it.group == g && it.name == a } }

// The shaded transport, at the gRPC version the project is tested with.
def shaded = find('io.grpc', 'grpc-netty-shaded')
if (shaded == null || shaded.version != grpcVersion) failures << "grpc-netty-shaded ${grpcVersion} expected, got ${shaded}"
artifacts.findAll { it.group == 'io.grpc' && it.version != grpcVersion }.each { failures << "io.grpc at another version: ${it}" }
// No unshaded Netty from the library: the application's own 4.1 is the only one.
artifacts.findAll { it.group == 'io.netty' && !it.version.startsWith('4.1.') }.each { failures << "Netty forced on the application: ${it}" }
if (artifacts.any { it.group == 'io.grpc' && it.name == 'grpc-netty' }) failures << 'unshaded grpc-netty leaked'
// Protobuf and Guava as tested.
if (find('com.google.protobuf', 'protobuf-java')?.version != protobufVersion) failures << "protobuf-java ${protobufVersion} expected"
if (find('com.google.guava', 'guava')?.version != guavaVersion) failures << "guava ${guavaVersion} expected"
// Nothing of the CLI, the load tester or the server.
['info.picocli', 'org.hdrhistogram', 'io.lettuce', 'com.google.inject', 'ch.qos.logback', 'io.prometheus', 'com.github.codemonstur'].each { g ->
  artifacts.findAll { it.group == g }.each { failures << "not a client dependency: ${it}" }
}

// What the installed artifact carries: a module name, sources and javadoc beside it.
def installed = new File(localRepositoryPath, "dev/counter/client-stub/${projectVersion}")
['', '-sources', '-javadoc'].each { kind ->
  if (!new File(installed, "client-stub-${projectVersion}${kind}.jar").isFile()) failures << "no client-stub${kind} jar installed"
}
def jar = new java.util.jar.JarFile(new File(installed, "client-stub-${projectVersion}.jar"))
if (jar.manifest.mainAttributes.getValue('Automatic-Module-Name') != 'dev.counter.client') failures << 'Automatic-Module-Name dev.counter.client missing'
if (jar.entries().toList().any { it.name.startsWith('dev/counter/cli/') }) failures << 'CLI classes inside the client jar'
jar.close()

if (!failures.isEmpty()) {
  throw new AssertionError('consumer dependency tree:\n  ' + failures.join('\n  '))
}
println "consumer dependency tree OK: ${artifacts.size()} artifacts"
return true
