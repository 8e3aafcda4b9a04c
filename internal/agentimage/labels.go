package agentimage

// Labels on the images this package builds.
const (
	// LabelTestImage names the kind of test image: KindTestAgent or KindAgentJar.
	LabelTestImage = "io.berth.test-image"
	// LabelContentHash holds the content hash that is also the image's tag.
	LabelContentHash = "io.berth.test-image.hash"

	KindTestAgent = "testagent"
	KindAgentJar  = "agentjar"
)

// Repositories of the images this package builds.
const (
	TestAgentRepo = "berth-testagent"
	AgentJarRepo  = "berth-agentjar"
)
